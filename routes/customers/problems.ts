import { defineProblems } from '../../lib/problems/define.js'

export const CUSTOMER_PROBLEMS = defineProblems({
  CUSTOMER_NOT_FOUND: { status: 404, title: 'Customer not found', description: 'No customer with this id that the caller may see.' },
  CUSTOMER_EMAIL_TAKEN: { status: 409, title: 'Customer email taken', description: 'Another customer profile already uses this email.' },
  CUSTOMER_HAS_ORDERS: { status: 409, title: 'Customer has orders', description: 'A customer with orders cannot be deleted; order history is kept.' },
  CUSTOMER_HAS_ACCOUNT: { status: 409, title: 'Customer profile of an account', description: 'The profile is the one profile of a customer account (created with it): deleting it would leave the account unable to order. Change the account\'s role first.' }
})
