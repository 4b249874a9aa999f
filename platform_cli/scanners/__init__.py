"""Source scanners shared by readiness facts and `platform secrets scan`: secrets, inline prompts."""
