import type { OrderStatus, Role } from '../../db/database.js'

/** The order lifecycle: every legal move, whoever makes it. */
const MACHINE: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending: ['paid', 'cancelled'],
  paid: ['shipped', 'cancelled'],
  shipped: ['delivered'],
  delivered: [],
  cancelled: []
}

export function isLegalTransition (from: OrderStatus, to: OrderStatus): boolean {
  return MACHINE[from].includes(to)
}

/** Whether this role may make a move the machine allows: customers may only cancel a pending order. */
export function roleMayTransition (role: Role, from: OrderStatus, to: OrderStatus): boolean {
  if (role !== 'customer') return true
  return from === 'pending' && to === 'cancelled'
}

/** The moves the caller can make now; this is what each order response lists. */
export function allowedTransitions (status: OrderStatus, role: Role): OrderStatus[] {
  return MACHINE[status].filter((to) => roleMayTransition(role, status, to))
}

/** allowedTransitions for every status (a parameter of SQL that builds orders as the API shows them). */
export function allowedTransitionsByStatus (role: Role): Record<OrderStatus, OrderStatus[]> {
  const moves = (status: OrderStatus): OrderStatus[] => allowedTransitions(status, role)
  return { pending: moves('pending'), paid: moves('paid'), shipped: moves('shipped'), delivered: moves('delivered'), cancelled: moves('cancelled') }
}

/** Cancelling puts the items back on the shelf. */
export const restocks = (to: OrderStatus): boolean => to === 'cancelled'
