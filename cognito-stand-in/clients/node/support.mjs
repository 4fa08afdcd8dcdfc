// Talking to the stand-in the way Cognito's public API is talked to, for the suites' own setup:
// the AWS JSON 1.1 protocol over fetch, and the stand-in's inbox and control endpoints.
// STANDIN_URL, POOL_ID and CLIENT_ID come from cognito-stand-in/tests/aws_clients.rs.
export const env = process.env
export const { STANDIN_URL: base, POOL_ID: poolId, CLIENT_ID: clientId } = env

export async function cognito(operation, body) {
  const response = await fetch(base, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AWSCognitoIdentityProviderService.${operation}`,
    },
    body: JSON.stringify(body),
  })
  const json = await response.json()
  if (!response.ok) throw Object.assign(new Error(json.message), { name: json.__type })
  return json
}

export async function latestCode(email) {
  const response = await fetch(`${base}/_inbox?email=${encodeURIComponent(email)}`)
  return (await response.json()).messages.at(-1).code
}

export async function configure(settings) {
  await fetch(`${base}/_config`, { method: 'POST', body: JSON.stringify(settings) })
}

/** A passwordless user of the pool with a verified email; one that exists already is kept. */
export async function createUser(email) {
  await cognito('AdminCreateUser', {
    UserPoolId: poolId,
    Username: email,
    MessageAction: 'SUPPRESS',
    UserAttributes: [
      { Name: 'email', Value: email },
      { Name: 'email_verified', Value: 'true' },
    ],
  }).catch((e) => {
    if (e.name !== 'UsernameExistsException') throw e
  })
}

/** A user of the pool, signed in by email code: the AuthenticationResult. */
export async function signIn(email) {
  await createUser(email)
  const started = await cognito('InitiateAuth', {
    ClientId: clientId,
    AuthFlow: 'USER_AUTH',
    AuthParameters: { USERNAME: email, PREFERRED_CHALLENGE: 'EMAIL_OTP' },
  })
  const answered = await cognito('RespondToAuthChallenge', {
    ClientId: clientId,
    ChallengeName: 'EMAIL_OTP',
    Session: started.Session,
    ChallengeResponses: { USERNAME: email, EMAIL_OTP_CODE: await latestCode(email) },
  })
  return answered.AuthenticationResult
}
