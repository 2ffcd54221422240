import { Type, type Static } from 'typebox'
import { NotBlankText, Page, PaginationQuery, resourceResponses, SearchText, Timestamp, Uuid } from './common.js'

const PersonName = (what: string, example: string) => NotBlankText({
  maxLength: 100,
  description: `${what}, 1..100 characters, not only whitespace or invisible characters`,
  examples: [example]
})

export const FirstName = PersonName('Given name', 'Ada')
export const LastName = PersonName('Family name', 'Lovelace')

export const CustomerEmail = Type.String({
  format: 'email',
  maxLength: 254,
  description: 'Contact email, unique among customers: a local part of up to 64 characters at a domain with a dot (no IP literals or quoted local parts); trimmed and lowercased before validation and storage',
  examples: ['ada@example.com']
})

export const Phone = Type.Union([
  Type.String({ maxLength: 16, pattern: '^\\+?[1-9][0-9]{6,14}$', description: 'E.164-like: optional +, 7..15 digits, no leading 0', examples: ['+4915112345678'] }),
  Type.Null()
], { description: 'Phone number or null', examples: ['+4915112345678'] })

export const Customer = Type.Object({
  id: Uuid,
  user_id: Type.Union([Uuid, Type.Null()], { description: 'The user account owning this profile; null for profiles made by staff', examples: ['9b2e3f1c-6a4d-4e8b-9c1a-2b7d5e8f0a13'] }),
  first_name: FirstName,
  last_name: LastName,
  email: CustomerEmail,
  phone: Phone,
  created_at: Timestamp,
  updated_at: Timestamp
}, {
  $id: 'Customer',
  title: 'Customer',
  description: 'A customer profile',
  examples: [{
    id: '3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13',
    user_id: '9b2e3f1c-6a4d-4e8b-9c1a-2b7d5e8f0a13',
    first_name: 'Ada',
    last_name: 'Lovelace',
    email: 'ada@example.com',
    phone: '+4915112345678',
    created_at: '2026-11-24T10:00:00.000Z',
    updated_at: '2026-11-24T10:00:00.000Z'
  }]
})

// user_id is deliberately absent: a profile's owner is never set through the API body.
const writableFields = {
  first_name: FirstName,
  last_name: LastName,
  email: CustomerEmail,
  phone: Type.Optional(Phone)
}

const bodyExample = { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', phone: '+4915112345678' }

/** The whole writable state: what POST creates and PUT replaces (one component for both). */
export const WriteCustomerRequest = Type.Object(writableFields, {
  additionalProperties: false,
  $id: 'WriteCustomerRequest',
  title: 'WriteCustomerRequest',
  description: 'The full writable state of a customer profile: POST creates one (not linked to a user account), PUT replaces it; an omitted phone is null',
  examples: [bodyExample]
})

export const UpdateCustomerBody = Type.Object({
  first_name: Type.Optional(FirstName),
  last_name: Type.Optional(LastName),
  email: Type.Optional(CustomerEmail),
  phone: Type.Optional(Phone)
}, {
  additionalProperties: false,
  minProperties: 1,
  $id: 'UpdateCustomerRequest',
  title: 'UpdateCustomerRequest',
  description: 'The fields to change (PATCH); at least one',
  examples: [{ phone: null }]
})

export const ListCustomersQuery = Type.Object({
  ...PaginationQuery,
  q: Type.Optional(SearchText('Case-insensitive substring of the first name, last name, "first last" or email (% and _ match literally)', 'lovelace'))
}, { additionalProperties: false })

export const CustomerPage = Page(Customer, 'CustomerPage', 'One page of customers')

export const {
  one: CustomerResponse,
  created: CreatedCustomerResponse,
  page: CustomerPageResponse
} = resourceResponses(Customer, CustomerPage, {
  noun: 'customer profile',
  collection: 'customers',
  pageDescription: 'One page of customers (a customer-role caller gets only its own profile)'
})

export type CustomerBody = Static<typeof Customer>
export type CreateCustomerInput = Static<typeof WriteCustomerRequest>
export type UpdateCustomerInput = Static<typeof UpdateCustomerBody>
export type ListCustomersInput = Static<typeof ListCustomersQuery>
