import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'

const authRoutes: FastifyPluginAsyncTypebox = async () => {}

export default authRoutes
