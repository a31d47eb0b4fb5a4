"""The smallest feature with storage, for tests: everything it needs is in this folder.

It shows the rule a new feature follows: its handlers, its repository and its migrations live in
its own folder, and using it takes one line (adding ``Notes`` to the features list).
"""
