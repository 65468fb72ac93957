"""The aiohttp web application: health, repair form, tracking page, console and REST API."""
