import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'

const adminRoutes: FastifyPluginAsyncTypebox = async () => {}

export default adminRoutes
