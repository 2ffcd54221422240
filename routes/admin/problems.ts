import { defineProblems } from '../../lib/problems/define.js'

export const ADMIN_PROBLEMS = defineProblems({
  USER_NOT_FOUND: { status: 404, title: 'User not found', description: 'No user account with this id.' },
  CANNOT_DEMOTE_SELF: { status: 409, title: 'Cannot change own role', description: 'Admins cannot change their own role; ask another admin.' }
})
