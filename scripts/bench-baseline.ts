/**
 * The yardstick for `npm run bench`: the least a Node service can do to answer
 * GET /products/{id} from Postgres — node:http, one pg Pool of the same size as the
 * app's, the same SELECT, JSON out. No framework, validation, auth, logging or headers.
 * Env: DATABASE_URL, PORT, HOST (127.0.0.1), DB_POOL_MAX (10), STORE_CURRENCY (EUR).
 */
import { createServer, type ServerResponse } from 'node:http'
import pg from 'pg'

const INT8_OID = 20
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const PRODUCT_PATH = /^\/products\/([^/?]+)$/

// The app's statement for products by id (routes/products/repository.ts), for the one id of the
// request, sent the same way: as a named statement, prepared once per connection
// (db/named-statements.ts). The app sends one for all the reads of an event-loop turn
// (routes/products/coalesced-reads.ts); a bare server sends one per request.
const SELECT_PRODUCT = 'select "id", "sku", "name", "description", "price_cents", "stock", "created_at", "updated_at", "version" ' +
  'from "products" where "id" = $1 and "archived_at" is null'

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DB_POOL_MAX ?? 10),
  types: { getTypeParser: (oid: number, format?: 'text' | 'binary') => oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format) }
})
const currency = process.env.STORE_CURRENCY ?? 'EUR'

function send (res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) })
  res.end(json)
}

const server = createServer((req, res) => {
  if (req.url === '/health') return send(res, 200, { status: 'ok' })
  const id = PRODUCT_PATH.exec(req.url ?? '')?.[1]
  if (req.method !== 'GET' || id === undefined || !UUID.test(id)) return send(res, 404, { code: 'NOT_FOUND' })
  pool.query({ name: 'product_by_id', text: SELECT_PRODUCT, values: [id] }).then((result) => {
    const row: unknown = result.rows[0]
    if (row === undefined) send(res, 404, { code: 'PRODUCT_NOT_FOUND' })
    else send(res, 200, { ...(typeof row === 'object' ? row : {}), currency })
  }, () => { send(res, 500, { code: 'INTERNAL_ERROR' }) })
})

server.listen(Number(process.env.PORT ?? 8090), process.env.HOST ?? '127.0.0.1')

const stop = (): void => { server.close(() => { pool.end().then(() => process.exit(0), () => process.exit(1)) }) }
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
