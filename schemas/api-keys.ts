import { Type, type Static } from 'typebox'
import { API_SCOPES } from '../lib/scopes.js'
import { API_KEY_LENGTH, API_KEY_PREFIX_LENGTH } from '../lib/api-keys/format.js'
import { NotBlankText, Page, PaginationQuery, ResponseHeaders, Timestamp, Uuid } from './common.js'

/** A roll keeps the old key working at most a week (SPEC §7). */
export const MAX_ROLL_OVERLAP_HOURS = 168

const KEY_EXAMPLE_ID = '2d7c4e1a-9b3f-4a6d-8e2c-5f1b7a9d3c60'
/** A well-formed key (checksum included), as generateApiKey() makes them; test/lib/api-keys checks it. */
export const KEY_EXAMPLE = 'gsk_WXNGUZFmDK6yKCRD37dm8QNXXpxKatsPZJYB1FvW0YV1JnwY3'

export const ApiScopeSchema = Type.Union([
  Type.Literal('products:read'), Type.Literal('products:write'),
  Type.Literal('customers:read'), Type.Literal('customers:write'),
  Type.Literal('orders:read'), Type.Literal('orders:write'),
  Type.Literal('events:read'), Type.Literal('webhooks:manage'), Type.Literal('audit:read')
], {
  title: 'ApiScope',
  description: 'What a key may do: products:read|write, customers:read|write, orders:read|write, events:read, webhooks:manage, audit:read. ' +
    'Each operation lists the scopes that admit a key (its `apiKey` security requirement); a key never exceeds its owner\'s current role.',
  examples: ['products:read']
})

const ScopeList = Type.Array(ApiScopeSchema, { minItems: 1, maxItems: API_SCOPES.length, description: 'The key\'s scopes (a repeated scope counts once)', examples: [['products:read', 'orders:read']] })

const KeyName = Type.String({ minLength: 1, maxLength: 100, description: 'What the key is for, up to 100 characters', examples: ['ERP stock sync'] })
/** A new key's name is not blank; keys named before that rule keep their names, so the response shape does not require it. */
const NewKeyName = NotBlankText({ maxLength: 100, description: 'What the key is for, 1..100 characters, not only whitespace or invisible characters', examples: ['ERP stock sync'] })

const keyProperties = {
  id: Uuid,
  user_id: Type.String({ format: 'uuid', maxLength: 36, description: 'The owner: the key acts as this account', examples: ['3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13'] }),
  name: KeyName,
  prefix: Type.String({ minLength: API_KEY_PREFIX_LENGTH, maxLength: API_KEY_PREFIX_LENGTH, description: 'The key\'s first 12 characters, to tell keys apart', examples: [KEY_EXAMPLE.slice(0, API_KEY_PREFIX_LENGTH)] }),
  scopes: ScopeList,
  created_at: Timestamp,
  expires_at: Type.String({ format: 'date-time', maxLength: 64, description: 'The key stops working at this time (RFC 3339 UTC); a roll brings it forward to the end of the overlap', examples: ['2027-02-22T10:00:00.000Z'] }),
  last_used_at: Type.Union([Timestamp, Type.Null()], { description: 'An authenticated use at most a minute before the last one (written at most once a minute per key); null if never used' })
}

const keyExample = {
  id: KEY_EXAMPLE_ID,
  user_id: '3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13',
  name: 'ERP stock sync',
  prefix: KEY_EXAMPLE.slice(0, API_KEY_PREFIX_LENGTH),
  scopes: ['products:read', 'orders:read'],
  created_at: '2026-11-24T10:00:00.000Z',
  expires_at: '2027-02-22T10:00:00.000Z',
  last_used_at: null
}

export const ApiKey = Type.Object(keyProperties, {
  $id: 'ApiKey',
  title: 'ApiKey',
  description: 'An API key, without its secret (shown only when it is created or rolled)',
  examples: [keyExample]
})

export const ApiKeyWithSecret = Type.Object({
  ...keyProperties,
  key: Type.String({
    minLength: API_KEY_LENGTH,
    maxLength: API_KEY_LENGTH,
    pattern: '^gsk_[0-9A-Za-z]{49}$',
    description: 'The key: send it as `Authorization: Bearer <key>`. Shown only in this response (only its SHA-256 is stored); store it now.',
    examples: [KEY_EXAMPLE]
  })
}, {
  $id: 'ApiKeyWithSecret',
  title: 'ApiKeyWithSecret',
  description: 'A new API key with its secret: only returned on creation and roll',
  examples: [{ ...keyExample, key: KEY_EXAMPLE }]
})

export const ApiKeyPage = Page(Type.Ref('ApiKey'), 'ApiKeyPage', 'One page of API keys, oldest first')

export const CreateApiKeyBody = Type.Object({
  name: NewKeyName,
  scopes: ScopeList,
  expires_at: Type.Optional(Type.String({
    format: 'date-time',
    maxLength: 64,
    description: 'When the key stops working: in the future and at most 1 year away (422 API_KEY_EXPIRY_INVALID otherwise). Default: 90 days from now.',
    examples: ['2027-02-22T10:00:00.000Z']
  }))
}, {
  additionalProperties: false,
  $id: 'CreateApiKeyRequest',
  title: 'CreateApiKeyRequest',
  description: 'A new API key: its name, the scopes it may use (within your role) and, optionally, when it expires',
  examples: [{ name: 'ERP stock sync', scopes: ['products:read', 'orders:read'] }]
})

export const RollApiKeyBody = Type.Object({
  expires_in_hours: Type.Integer({
    format: 'int32',
    minimum: 0,
    maximum: MAX_ROLL_OVERLAP_HOURS,
    description: `How long the old key keeps working (0..${MAX_ROLL_OVERLAP_HOURS} hours; 0: it stops now)`,
    examples: [24]
  })
}, { additionalProperties: false, $id: 'RollApiKeyRequest', title: 'RollApiKeyRequest', description: 'How long the key being replaced keeps working', examples: [{ expires_in_hours: 24 }] })

export const ListApiKeysQuery = Type.Object({
  ...PaginationQuery,
  user_id: Type.Optional(Type.String({ format: 'uuid', maxLength: 36, description: 'Only this user\'s keys. Admins: any user; others: only their own id (any other -> 403 FORBIDDEN)' }))
}, { additionalProperties: false })

/** Every named schema of this file, for addSchema (they are referenced by $id). */
export const API_KEY_SCHEMAS = [ApiKey, ApiKeyWithSecret, ApiKeyPage]

export const apiKeyHeaders = {
  one: { etag: ResponseHeaders.etag },
  created: { etag: ResponseHeaders.etag, location: ResponseHeaders.location('api-keys') },
  page: { link: ResponseHeaders.link('api-keys') }
}

export type ApiKeyBody = Static<typeof ApiKey>
export type ApiKeyWithSecretBody = Static<typeof ApiKeyWithSecret>
export type CreateApiKeyInput = Static<typeof CreateApiKeyBody>
export type ListApiKeysInput = Static<typeof ListApiKeysQuery>
