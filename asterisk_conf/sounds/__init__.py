"""Sound files Asterisk plays, made by the platform: speech from text (``tts``), uploads converted to what
Asterisk plays (``audio``) and the Norwegian prompt set for Asterisk's say functions and app_queue (``norwegian``).

Like the config generators these only produce files for Asterisk; they never talk to it."""
