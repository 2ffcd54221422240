import { join } from 'node:path'
import createClient, { type Client } from 'openapi-fetch'
import openapiTS, { astToString } from 'openapi-typescript'
import type { paths } from './generated/schema.js'
import { ROOT } from '../helpers/server-process.js'

export const GENERATED_SCHEMA = join(ROOT, 'test', 'e2e', 'generated', 'schema.d.ts')

const HEADER = `/**
 * GoShop API client types, generated from the live OpenAPI document (GET /swagger/json)
 * by openapi-typescript. Do not edit: run \`npm run generate:client\`.
 * test/e2e/client.test.ts fails when the served document no longer generates this file.
 */
/* eslint-disable */
`

/** The TypeScript source openapi-typescript makes from the document the server serves. */
export async function generateSchemaSource (baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/swagger/json`)
  if (res.status !== 200) throw new Error(`GET /swagger/json answered ${res.status}`)
  const ast = await openapiTS(await res.text(), { silent: true })
  return `${HEADER}\n${astToString(ast)}`
}

export type GoShopClient = Client<paths>

/** A typed client for the running server, optionally acting with an access token. */
export function apiClient (baseUrl: string, token?: string): GoShopClient {
  return createClient<paths>({ baseUrl, headers: token !== undefined ? { authorization: `Bearer ${token}` } : {} })
}
