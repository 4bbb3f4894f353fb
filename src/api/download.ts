// Content-Disposition of a download (RFC 6266), the one builder of every export route: the file name as quoted
// ASCII (anything else, and quotes and backslashes, as "_"), and — only when that changed the name — its exact
// UTF-8 form as filename* (RFC 8187), which every current browser prefers.
export function attachmentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const plain = `attachment; filename="${ascii}"`;
  return ascii === fileName ? plain : `${plain}; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}
