"""The HTTP side: settings, sessions, the dispatcher that runs the contract around each handler, the app."""
