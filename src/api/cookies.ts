/** The refresh token (rotated at every /auth/refresh), only ever sent to /auth. */
export const REFRESH_COOKIE = 'dmarc_refresh';
/** A short-lived access token for the pages under /admin (the queue board), which a browser opens itself. */
export const ADMIN_COOKIE = 'dmarc_admin';
export const ADMIN_COOKIE_PATH = '/admin';
