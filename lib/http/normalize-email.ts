import type { FastifyRequest } from 'fastify'

/**
 * preValidation: trims and lowercases `email` in the body before the schema checks
 * its format, so " Ada@Example.COM " is accepted and stored as "ada@example.com".
 */
export async function normalizeEmail (request: FastifyRequest): Promise<void> {
  const body = request.body
  if (typeof body === 'object' && body !== null && 'email' in body && typeof body.email === 'string') {
    body.email = body.email.trim().toLowerCase()
  }
}
