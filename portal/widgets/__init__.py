"""Streamlit building blocks that pages share: each draws one panel and calls one service per save."""
