"""Services own every query and every permission check; pages only call them."""
