import type { Company } from '../db/repositories/companies';
import type { Repositories } from '../db/repositories';
import type { UserWithPermissions } from '../db/repositories/users';

/** The companies a user may pick in a report filter: a client sees its own only, staff see them all. */
export function createCompaniesService(repos: Repositories) {
  return {
    async visibleTo(user: UserWithPermissions): Promise<Company[]> {
      if (user.role !== 'client') return repos.companies.list();
      if (user.companyId === null) return [];
      return repos.companies.list({ ids: [user.companyId] });
    },
  };
}

export type CompaniesService = ReturnType<typeof createCompaniesService>;
