"""Pages, filed by audience: each audience has its urls, views and templates, and its URL namespace.

``storefront:`` anyone; ``buyer:`` a shopper's own pages; ``merchant:`` the
merchant centre under /merchant/; ``operator:`` the console under
/operator/; ``leader:`` the group leader's centre (团长中心) under /leader/.
"""

from django.urls import include, path

urlpatterns = [
    path("", include("jishi.web.storefront.urls")),
    path("", include("jishi.web.buyer.urls")),
    path("merchant/", include("jishi.web.merchant.urls")),
    path("operator/", include("jishi.web.operator.urls")),
    path("leader/", include("jishi.web.leader.urls")),
]
