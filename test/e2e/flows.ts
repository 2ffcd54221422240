import { randomUUID } from 'node:crypto'
import { apiClient, type GoShopClient } from './client.js'
import { ADMIN } from '../helpers/server-process.js'

export const PASSWORD = 'e2e correct horse battery'

export interface Customer {
  email: string
  token: string
  refreshToken: string
  customerId: string
  client: GoShopClient
}

export const uniqueEmail = (label: string): string => `${label}-${randomUUID()}@example.com`

async function login (baseUrl: string, email: string, password: string): Promise<{ access: string, refresh: string }> {
  const { data, response } = await apiClient(baseUrl).POST('/login', { body: { email, password } })
  if (data === undefined) throw new Error(`login ${email} answered ${response.status}`)
  return { access: data.access_token, refresh: data.refresh_token }
}

/** Registers a customer through the public API and logs it in. */
export async function registerCustomer (baseUrl: string, label = 'customer'): Promise<Customer> {
  const email = uniqueEmail(label)
  const { data, response } = await apiClient(baseUrl).POST('/register', { body: { email, password: PASSWORD, first_name: 'E2e', last_name: label } })
  if (data?.customer_id == null) throw new Error(`register answered ${response.status}`)
  const tokens = await login(baseUrl, email, PASSWORD)
  return { email, token: tokens.access, refreshToken: tokens.refresh, customerId: data.customer_id, client: apiClient(baseUrl, tokens.access) }
}

/** The bootstrap admin (ADMIN_EMAIL/ADMIN_PASSWORD given to the server), logged in. */
export async function adminAccessToken (baseUrl: string): Promise<string> {
  return (await login(baseUrl, ADMIN.email, ADMIN.password)).access
}

export async function adminClient (baseUrl: string): Promise<GoShopClient> {
  return apiClient(baseUrl, await adminAccessToken(baseUrl))
}

export async function createProduct (admin: GoShopClient, fields: { price_cents: number, stock: number, name?: string }): Promise<{ id: string, sku: string, price_cents: number }> {
  const sku = `E2E-${randomUUID().slice(0, 8).toUpperCase()}`
  const { data, response } = await admin.POST('/api/products', {
    body: { sku, name: fields.name ?? `E2E product ${sku}`, description: 'made by the e2e suite', price_cents: fields.price_cents, stock: fields.stock }
  })
  if (data === undefined) throw new Error(`create product answered ${response.status}`)
  return { id: data.id, sku, price_cents: data.price_cents }
}
