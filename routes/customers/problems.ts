import { defineProblems } from '../../lib/problems/define.js'

export const CUSTOMER_PROBLEMS = defineProblems({
  CUSTOMER_NOT_FOUND: { status: 404, title: 'Customer not found', description: 'No customer with this id that the caller may see.' },
  CUSTOMER_EMAIL_TAKEN: { status: 409, title: 'Customer email taken', description: 'Another customer profile already uses this email.' },
  CUSTOMER_HAS_ORDERS: { status: 409, title: 'Customer has orders', description: 'A customer with orders cannot be deleted; order history is kept.' }
})
