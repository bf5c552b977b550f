import type { ClientStore, OAuthClient } from '../ports.ts';
import type { Row, Sql } from './connection.ts';
import { translated } from './errors.ts';
import { jsonObject, text } from './rows.ts';

function toClient(row: Row): OAuthClient {
  return {
    clientId: text(row, 'client_id'),
    name: text(row, 'name'),
    metadata: jsonObject(row, 'metadata'),
    createdAt: text(row, 'created_at'),
  };
}

/** Product apps are operator-scoped (not tenant data): no tenant column by design of the port. */
export function createClientStore(sql: Sql): ClientStore {
  return {
    insert: async (c) => {
      translated(() =>
        sql.run(
          'INSERT INTO oauth_clients (client_id, name, metadata, created_at) VALUES (?, ?, ?, ?)',
          c.clientId,
          c.name,
          JSON.stringify(c.metadata),
          c.createdAt,
        ),
      );
    },
    get: async (clientId) => {
      const row = sql.get('SELECT * FROM oauth_clients WHERE client_id = ?', clientId);
      return row ? toClient(row) : undefined;
    },
    list: async () => sql.all('SELECT * FROM oauth_clients ORDER BY client_id').map(toClient),
    update: async (c) =>
      sql.run(
        'UPDATE oauth_clients SET name = ?, metadata = ? WHERE client_id = ?',
        c.name,
        JSON.stringify(c.metadata),
        c.clientId,
      ) > 0,
    remove: async (clientId) => sql.run('DELETE FROM oauth_clients WHERE client_id = ?', clientId) > 0,
  };
}
