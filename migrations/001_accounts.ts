import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('companies', (t) => {
    t.increments('id');
    t.string('name', 191).notNullable().unique();
    t.datetime('created_at', { precision: 3 }).notNullable();
  });
  await knex.schema.createTable('roles', (t) => {
    t.increments('id');
    t.string('name', 64).notNullable().unique();
  });
  await knex.schema.createTable('permissions', (t) => {
    t.increments('id');
    t.string('name', 64).notNullable().unique();
    t.string('description', 255).notNullable().defaultTo('');
  });
  await knex.schema.createTable('role_permissions', (t) => {
    t.integer('role_id').unsigned().notNullable().references('roles.id').onDelete('CASCADE');
    t.integer('permission_id').unsigned().notNullable().references('permissions.id').onDelete('CASCADE');
    t.primary(['role_id', 'permission_id']);
    t.index(['permission_id']);
  });
  await knex.schema.createTable('users', (t) => {
    t.increments('id');
    t.integer('company_id').unsigned().nullable().references('companies.id');
    t.integer('role_id').unsigned().notNullable().references('roles.id');
    t.string('name', 191).notNullable();
    t.string('email', 191).notNullable().unique();
    t.string('password_hash', 255).notNullable();
    t.boolean('is_active').notNullable().defaultTo(true);
    t.boolean('notifications_enabled').notNullable().defaultTo(true);
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.index(['company_id', 'role_id']);
    t.index(['role_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['users', 'role_permissions', 'permissions', 'roles', 'companies']) {
    await knex.schema.dropTableIfExists(table);
  }
}
