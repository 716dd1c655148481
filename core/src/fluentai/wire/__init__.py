"""Wire formats shared by several providers (one implementation each, used by plugins)."""
