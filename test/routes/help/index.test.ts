import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { openApiDocument, operations } from '../../openapi/document.js'

export default suite(import.meta, (t) => {
  t.test('/help lists every operation of the document, webhooks and problems included', async (t) => {
    const app = await buildTestApp(t)
    const res = await app.inject({ method: 'GET', url: '/help' })
    t.equal(res.statusCode, 200)
    const listed = new Set(res.json().routes.map((route: { method: string, url: string }) => `${route.method} ${route.url}`))
    const doc = await openApiDocument(t)
    for (const { method, path } of operations(doc)) {
      const url = path.replace(/\{(\w+)\}/g, ':$1')
      t.ok(listed.has(`${method.toUpperCase()} ${url}`), `${method.toUpperCase()} ${path} is listed`)
    }
    for (const route of ['POST /api/webhooks', 'GET /api/webhooks/:id', 'POST /api/webhooks/:id/deliveries/:delivery_id/retry', 'GET /problems/:slug']) {
      t.ok(listed.has(route), `${route} is listed`)
    }
    t.match(res.json().description, /\/api\/webhooks/)
  })
})
