//! Allowed hosts (credentials.md): default deny, every pattern form, and the URL tricks.
