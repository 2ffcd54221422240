import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'

const customersRoutes: FastifyPluginAsyncTypebox = async () => {}

export default customersRoutes
