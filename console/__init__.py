"""The office console: the web pages staff use in a browser (aiohttp-jinja2), each calling the office
actions."""
