"""The member portal's pages, one module per resource."""
