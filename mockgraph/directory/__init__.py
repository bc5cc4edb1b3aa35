"""The directory slice presence clients use: users, photos, groups (directory-reference.md)."""
