"""Safe text for generated Markdown (PR reports, site pages): intent strings never become markup."""
