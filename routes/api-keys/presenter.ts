import type { ApiKeyBody, ApiKeyWithSecretBody } from '../../schemas/api-keys.js'
import { API_SCOPES } from '../../lib/scopes.js'
import type { ApiKeyRecord } from './repository.js'

export function presentKey (row: ApiKeyRecord): ApiKeyBody {
  return {
    id: row.id,
    user_id: row.user_id,
    name: row.name,
    prefix: row.prefix,
    scopes: API_SCOPES.filter((scope) => row.scopes.includes(scope)),
    created_at: row.created_at.toISOString(),
    expires_at: row.expires_at.toISOString(),
    last_used_at: row.last_used_at?.toISOString() ?? null
  }
}

/** A key as created or rolled: the one response that shows its secret. */
export const presentKeyWithSecret = ({ row, key }: { row: ApiKeyRecord, key: string }): ApiKeyWithSecretBody =>
  ({ ...presentKey(row), key })
