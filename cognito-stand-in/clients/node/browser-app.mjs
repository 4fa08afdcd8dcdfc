// The page script of amplify-browser.test.mjs: Amplify JS as a browser app bundles it, with its
// calls put on window for the test to drive.
import { Amplify } from 'aws-amplify'
import { confirmSignIn, fetchAuthSession, fetchUserAttributes, signIn, signOut } from 'aws-amplify/auth'

// Errors cross back to the test as their names: Amplify's are Cognito's exception names.
const named = (call) => async (...args) => {
  try {
    return { ok: JSON.parse(JSON.stringify((await call(...args)) ?? null)) }
  } catch (e) {
    return { error: e.name, message: e.message }
  }
}

window.amplify = {
  configure: (config) => Amplify.configure(config),
  signIn: named(signIn),
  confirmSignIn: named(confirmSignIn),
  session: named(async () => {
    const { tokens } = await fetchAuthSession()
    return { access: tokens.accessToken.toString(), email: tokens.idToken.payload.email }
  }),
  attributes: named(fetchUserAttributes),
  signOut: named(signOut),
}
document.body.dataset.ready = 'true'
