"""The rules of the domain. Never imports FastAPI or Starlette (STYLE.md)."""
