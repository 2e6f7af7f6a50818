"""The employee's phone pages: `/me` and their company's and town's offers."""
