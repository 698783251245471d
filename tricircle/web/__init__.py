"""What every HTTP API of Tricircle stands on: errors, bodies, validation, middleware, state."""
