"""The HTTP API: FastAPI app serving the daily action list under the committed policy.

``api.app.create_app(settings)`` builds the app; ``dunning serve`` runs it with uvicorn. FastAPI
is imported only here (and the engine never imports ``api``).
"""
