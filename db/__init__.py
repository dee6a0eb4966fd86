"""Database: models, engine and sessions, migrations. Imports nothing from Streamlit."""
