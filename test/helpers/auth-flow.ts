import { createHmac } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { Response } from 'light-my-request'
import { TEST_JWT_SECRET } from './app.js'

export const PASSWORD = 'correct horse battery staple'

export interface Session {
  access_token: string
  refresh_token: string
  token_type: string
  expires_in: number
}

export const bearer = (token: string): { authorization: string } => ({ authorization: `Bearer ${token}` })

export async function register (app: FastifyInstance, body: Record<string, unknown>): Promise<Response> {
  return await app.inject({ method: 'POST', url: '/register', payload: body })
}

export async function login (app: FastifyInstance, email: string, password = PASSWORD, remoteAddress?: string): Promise<Response> {
  return await app.inject({ method: 'POST', url: '/login', payload: { email, password }, ...(remoteAddress !== undefined ? { remoteAddress } : {}) })
}

export async function refresh (app: FastifyInstance, refreshToken: string): Promise<Response> {
  return await app.inject({ method: 'POST', url: '/auth/refresh', payload: { refresh_token: refreshToken } })
}

export async function logout (app: FastifyInstance, refreshToken: string): Promise<Response> {
  return await app.inject({ method: 'POST', url: '/auth/logout', payload: { refresh_token: refreshToken } })
}

export async function me (app: FastifyInstance, accessToken: string): Promise<Response> {
  return await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(accessToken) })
}

/** Registers an account and logs it in; fails loudly if either step does. */
export async function registerAndLogin (app: FastifyInstance, email: string, password = PASSWORD): Promise<{ userId: string, session: Session }> {
  const registered = await register(app, { email, password })
  if (registered.statusCode !== 201) throw new Error(`register failed: ${registered.statusCode} ${registered.body}`)
  const loggedIn = await login(app, email, password)
  if (loggedIn.statusCode !== 200) throw new Error(`login failed: ${loggedIn.statusCode} ${loggedIn.body}`)
  return { userId: registered.json().id, session: loggedIn.json() }
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')

/** Hand-made JWTs for the bad-token cases; HS256 signatures use the test secret unless told otherwise. */
export function craftJwt (payload: Record<string, unknown>, options: { alg?: 'HS256' | 'none', secret?: string } = {}): string {
  const alg = options.alg ?? 'HS256'
  const head = `${b64url({ alg, typ: 'JWT' })}.${b64url(payload)}`
  if (alg === 'none') return `${head}.`
  const signature = createHmac('sha256', options.secret ?? TEST_JWT_SECRET).update(head).digest('base64url')
  return `${head}.${signature}`
}

/** The claims of a JWT, without verifying it. */
export function jwtClaims (token: string): Record<string, unknown> {
  const payload = token.split('.')[1] ?? ''
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
}
