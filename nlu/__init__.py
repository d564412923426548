"""SPOC's natural-language understanding: intent, entities and language of one chat message.

Knows language, nothing about tickets or chat platforms: it never imports ``bot`` or ``storage``.
Importing this package is cheap and has no side effects; training or loading a model happens only
when :func:`nlu.cache.load_or_train` is called (normally once, from the composition root).
"""
