import type { UserWithPermissions } from '../db/repositories/users';

/** Who is asking: the authenticated user (with the role's permissions) and the token they used. */
export interface AuthContext {
  user: UserWithPermissions;
  tokenId: number;
}
