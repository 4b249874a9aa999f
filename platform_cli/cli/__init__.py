"""Click commands only: parse arguments, call the core, render the result. No logic lives here."""
