"""The App2Container permission kit: the seed's policy sections as data, least-privilege
policies generated for a choice profile, the permissions each ``app2container`` command needs,
and a check of given policies against them with the policy engine.

Modules: ``choices`` (the profile), ``sections`` (the seed's sections), ``generate`` (policies
per persona), ``commands`` (the command map), ``check`` (commands against policies). Nothing is
imported here, so that importing one module does not load the others.
"""
