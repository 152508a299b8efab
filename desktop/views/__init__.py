"""The main window's views (each a QWidget taking the :class:`desktop.context.AppContext`)."""
