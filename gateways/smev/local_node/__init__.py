"""A local SMEV 3 node for development, demos and tests: the portal's side of the exchange.

HTTP interface (gateways.smev.local_node.app.create_app):
    POST /smev                  SOAP 1.1: GetRequest, Ack, SendResponse, GetStatus, GetResponse
    POST /admin/enqueue         body: an XML file (?message_id=, ?test_message=)
                                -> {message_id, order_id}
    GET  /admin/responses       ?order_id= -> our answers in the order sent
    GET  /admin/requests        the request queue with delivery counts and acks
    GET  /health
Command line: gateways.smev.local_node.cli.app (serve, enqueue, responses).
"""
