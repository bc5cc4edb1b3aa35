"""The directory slice presence clients use: users, photos, groups.

Its decisions are recorded in docs/fidelity.md, 'Directory: users, photos, groups'.
"""
