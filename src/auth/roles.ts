export type UserRole = 'admin' | 'analyst' | 'viewer';
export const USER_ROLES: readonly UserRole[] = ['viewer', 'analyst', 'admin'];

/** viewer < analyst < admin. */
export function roleRank(role: UserRole | 'public'): number {
  return role === 'public' ? 0 : USER_ROLES.indexOf(role) + 1;
}

export function roleSatisfies(have: UserRole, need: UserRole | 'public'): boolean {
  return roleRank(have) >= roleRank(need);
}
