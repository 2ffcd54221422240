import { Counter, type Registry } from 'prom-client'

/** Login counters, on the app's registry. */
export function authMetrics (registry: Registry): { login: Counter, loginFailed: Counter } {
  return {
    login: new Counter({ name: 'auth_login_total', help: 'Login attempts', registers: [registry] }),
    loginFailed: new Counter({ name: 'auth_login_failed_total', help: 'Failed login attempts', registers: [registry] })
  }
}
