"""The admin portal's pages, one module per resource."""
