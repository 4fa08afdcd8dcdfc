export * from './generated.js'
export * from './guards.js'
export * from './session.js'
export * from './stream.js'
