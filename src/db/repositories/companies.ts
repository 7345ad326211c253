import type { Db } from '../knex';

export interface Company {
  id: number;
  name: string;
}

export function createCompaniesRepository(db: Db) {
  return {
    async create(name: string): Promise<Company> {
      const [id] = await db('companies').insert({ name, created_at: new Date() });
      return { id: Number(id), name };
    },
    async findById(id: number): Promise<Company | undefined> {
      const row = await db('companies').where({ id }).first('id', 'name');
      return row && { id: Number(row.id), name: row.name };
    },
    /** every company by name, or only the ones asked for */
    async list(options: { ids?: number[] } = {}): Promise<Company[]> {
      const query = db('companies').select('id', 'name').orderBy([{ column: 'name' }, { column: 'id' }]);
      if (options.ids) query.whereIn('id', options.ids);
      const rows: Array<{ id: number; name: string }> = await query;
      return rows.map((r) => ({ id: Number(r.id), name: r.name }));
    },
    async existingIds(ids: number[]): Promise<number[]> {
      if (ids.length === 0) return [];
      const rows = await db('companies').whereIn('id', ids).select('id');
      return rows.map((r: { id: number }) => Number(r.id));
    },
  };
}

export type CompaniesRepository = ReturnType<typeof createCompaniesRepository>;
