import { defineProblems } from '../../lib/problems/define.js'

export const WEBHOOK_PROBLEMS = defineProblems({
  WEBHOOK_NOT_FOUND: { status: 404, title: 'Webhook endpoint not found', description: 'No webhook endpoint with this id.' },
  WEBHOOK_DELIVERY_NOT_FOUND: { status: 404, title: 'Webhook delivery not found', description: 'No delivery with this id for this webhook endpoint.' },
  WEBHOOK_URL_NOT_ALLOWED: { status: 422, title: 'Webhook URL not allowed', description: 'The url cannot receive webhooks here: in production it must be https and must not point at a loopback, private, link-local or metadata address; `errors` points at /url.' }
})
