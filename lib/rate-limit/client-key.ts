import { normalizeIP } from '@fastify/rate-limit'

/** The key of a request whose client address is gone. */
export const NO_ADDRESS_KEY = 'no-address'

/**
 * The client a request counts against: its address (request.ip, so TRUST_PROXY applies), IPv6
 * by /64 as the plugin's own default does. Node forgets a socket's address once the socket is
 * destroyed, so a request still in its hooks by then (the client hung up, or its connection
 * was closed over bytes it sent after this request) has none: the plugin's default throws a
 * TypeError on it, here it counts under one shared key. Nobody is left to read its answer.
 */
export function clientKey (request: { readonly ip?: string | undefined }): string {
  return request.ip !== undefined && request.ip !== '' ? normalizeIP(request.ip) : NO_ADDRESS_KEY
}
